import pytest

from apps.listings.models import Category
from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


def test_a_category_comes_with_all_its_descendants_in_one_query(django_assert_num_queries):
    homes = CategoryFactory(name="Homes")
    flats = CategoryFactory(name="Flats", parent=homes)
    studios = CategoryFactory(name="Studios", parent=flats)
    lofts = CategoryFactory(name="Lofts", parent=flats)
    CategoryFactory(name="Boats")  # another tree

    with django_assert_num_queries(1):
        names = set(Category.objects.with_descendants(homes.pk).values_list("name", flat=True))
    assert names == {"Homes", "Flats", "Studios", "Lofts"}
    assert set(Category.objects.with_descendants(flats.pk)) == {flats, studios, lofts}
    assert list(Category.objects.with_descendants(lofts.pk)) == [lofts]
