import pytest

from apps.listings.models import Category
from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    """Homes > Flats > Studios > Micro-studios, Homes > Flats > Lofts, Homes > Houses; and
    another tree, Boats > Barges."""
    homes = CategoryFactory(name="Homes")
    flats = CategoryFactory(name="Flats", parent=homes)
    studios = CategoryFactory(name="Studios", parent=flats)
    CategoryFactory(name="Micro-studios", parent=studios)
    CategoryFactory(name="Lofts", parent=flats)
    CategoryFactory(name="Houses", parent=homes)
    boats = CategoryFactory(name="Boats")
    CategoryFactory(name="Barges", parent=boats)
    return {category.name: category for category in Category.objects.all()}


def names(queryset) -> set[str]:
    return {category.name for category in queryset}


def test_a_category_comes_with_all_its_descendants_in_one_query(tree, django_assert_num_queries):
    with django_assert_num_queries(1):
        found = names(Category.objects.with_descendants(tree["Homes"].pk))

    assert found == {"Homes", "Flats", "Studios", "Micro-studios", "Lofts", "Houses"}


@pytest.mark.parametrize(
    ("root", "expected"),
    [
        ("Flats", {"Flats", "Studios", "Micro-studios", "Lofts"}),
        ("Studios", {"Studios", "Micro-studios"}),
        ("Lofts", {"Lofts"}),
        ("Boats", {"Boats", "Barges"}),
    ],
)
def test_neither_ancestors_nor_other_branches_come_along(tree, root, expected):
    assert names(Category.objects.with_descendants(tree[root].pk)) == expected


def test_an_unknown_category_has_no_descendants(tree):
    assert not Category.objects.with_descendants(max(c.pk for c in tree.values()) + 1).exists()


def test_it_composes_with_other_filters_in_the_same_query(tree, django_assert_num_queries):
    with django_assert_num_queries(1):
        found = list(
            Category.objects.with_descendants(tree["Homes"].pk)
            .filter(name_en__startswith="S")
            .values_list("name_en", flat=True)
        )

    assert found == ["Studios"]
