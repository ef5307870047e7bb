"""Categories, amenities and tags named in both languages (name_fr, name_en), and
listing_relations(target, lang) naming a listing's amenities and tags in the request's language.

Existing rows keep their name in its language (categories were French; amenities and tags
English) and get the other from the reference data of fixtures/ (copied here: a migration
must not change when the fixtures do); a row not among them is named the same in both until
someone translates it.
"""

from django.db import migrations, models
from django.db.models import Q

from apps.core.db.comments import comment_on

CATEGORY_EN = {  # slug → English name
    "logements": "Homes",
    "appartements": "Apartments",
    "studios": "Studios",
    "lofts": "Lofts",
    "maisons": "Houses",
    "villas": "Villas",
    "chalets": "Chalets",
    "insolites": "Unusual stays",
    "cabanes": "Cabins",
    "peniches": "Houseboats",
}
AMENITY_FR = {  # English name → French name
    "Wi-Fi": "Wi-Fi",
    "Kitchen": "Cuisine",
    "Washing machine": "Lave-linge",
    "Heating": "Chauffage",
    "Air conditioning": "Climatisation",
    "Dedicated workspace": "Espace de travail dédié",
    "TV": "Télévision",
    "Free parking": "Parking gratuit",
    "Pool": "Piscine",
    "Garden": "Jardin",
    "Balcony": "Balcon",
    "Elevator": "Ascenseur",
    "Step-free access": "Accès de plain-pied",
    "Smoke alarm": "Détecteur de fumée",
    "First aid kit": "Trousse de premiers secours",
}
TAG_FR = {  # slug → French name
    "city-centre": "Centre-ville",
    "sea-view": "Vue sur la mer",
    "mountain": "Montagne",
    "family-friendly": "Idéal en famille",
    "pet-friendly": "Animaux acceptés",
    "romantic": "Romantique",
    "remote-work": "Télétravail",
    "historic": "Historique",
}


def name_in_both_languages(apps, schema_editor):
    # Reference tables accept writes from privileged actors only (forced row-level security).
    schema_editor.execute("SELECT set_config('app.actor', 'system:migration', true)")
    for category in apps.get_model("listings", "Category").objects.order_by("pk"):
        category.name_en = CATEGORY_EN.get(category.slug, category.name_fr)
        category.save(update_fields=["name_en"])
    for amenity in apps.get_model("listings", "Amenity").objects.order_by("pk"):
        amenity.name_fr = AMENITY_FR.get(amenity.name_en, amenity.name_en)
        amenity.save(update_fields=["name_fr"])
    for tag in apps.get_model("listings", "Tag").objects.order_by("pk"):
        tag.name_fr = TAG_FR.get(tag.slug, tag.name_en)
        tag.save(update_fields=["name_fr"])
    schema_editor.execute("SELECT set_config('app.actor', '', true)")


RELATIONS = """
DROP FUNCTION listing_relations(bigint);
CREATE FUNCTION listing_relations(target bigint, lang text) RETURNS jsonb
    LANGUAGE plpgsql STABLE PARALLEL SAFE
    AS $$
BEGIN
    -- Names in `lang` ('en'; French otherwise), ordered in that language.
    RETURN jsonb_build_object(
        'amenities', (
            SELECT COALESCE(jsonb_agg(jsonb_build_object('id', a.id, 'name', n.name,
                                                         'icon', a.icon, 'category', a.category)
                                      ORDER BY a.category, n.name), '[]')
            FROM listing_amenities la JOIN amenities a ON a.id = la.amenity_id,
                 LATERAL (SELECT CASE WHEN lang = 'en' THEN a.name_en ELSE a.name_fr END) n(name)
            WHERE la.listing_id = target),
        'tags', (
            SELECT COALESCE(jsonb_agg(jsonb_build_object('id', t.id, 'name', n.name,
                                                         'slug', t.slug)
                                      ORDER BY n.name), '[]')
            FROM listing_tags lt JOIN tags t ON t.id = lt.tag_id,
                 LATERAL (SELECT CASE WHEN lang = 'en' THEN t.name_en ELSE t.name_fr END) n(name)
            WHERE lt.listing_id = target));
END;
$$;
"""

RELATIONS_BEFORE = """
DROP FUNCTION listing_relations(bigint, text);
CREATE FUNCTION listing_relations(target bigint) RETURNS jsonb
    LANGUAGE plpgsql STABLE PARALLEL SAFE
    AS $$
BEGIN
    RETURN jsonb_build_object(
        'amenities', (
            SELECT COALESCE(jsonb_agg(jsonb_build_object('id', a.id, 'name', a.name,
                                                         'icon', a.icon, 'category', a.category)
                                      ORDER BY a.category, a.name), '[]')
            FROM listing_amenities la JOIN amenities a ON a.id = la.amenity_id
            WHERE la.listing_id = target),
        'tags', (
            SELECT COALESCE(jsonb_agg(jsonb_build_object('id', t.id, 'name', t.name,
                                                         'slug', t.slug)
                                      ORDER BY t.name), '[]')
            FROM listing_tags lt JOIN tags t ON t.id = lt.tag_id
            WHERE lt.listing_id = target));
END;
$$;
COMMENT ON FUNCTION listing_relations(bigint) IS
    'A listing''s amenities and tags as one JSON value, so that a list page costs one query.';
"""


def names_present(table: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(name_fr__regex=r"\S") & Q(name_en__regex=r"\S"), name=f"{table}_names_present"
    )


class Migration(migrations.Migration):
    dependencies = [("listings", "0014_listing_search_verbose_name")]

    operations = [
        migrations.RemoveConstraint(model_name="category", name="categories_parent_name_unique"),
        # The existing names, in their language.
        migrations.RenameField(model_name="category", old_name="name", new_name="name_fr"),
        migrations.RenameField(model_name="amenity", old_name="name", new_name="name_en"),
        migrations.RenameField(model_name="tag", old_name="name", new_name="name_en"),
        # The other language's, filled in, then required.
        migrations.AddField(
            model_name="category",
            name="name_en",
            field=models.CharField(max_length=100, null=True, verbose_name="name (English)"),
        ),
        migrations.AddField(
            model_name="amenity",
            name="name_fr",
            field=models.CharField(max_length=100, null=True, verbose_name="name (French)"),
        ),
        migrations.AddField(
            model_name="tag",
            name="name_fr",
            field=models.CharField(max_length=50, null=True, verbose_name="name (French)"),
        ),
        migrations.RunPython(name_in_both_languages, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="category",
            name="name_fr",
            field=models.CharField(max_length=100, verbose_name="name (French)"),
        ),
        migrations.AlterField(
            model_name="category",
            name="name_en",
            field=models.CharField(max_length=100, verbose_name="name (English)"),
        ),
        migrations.AlterField(
            model_name="amenity",
            name="name_fr",
            field=models.CharField(max_length=100, verbose_name="name (French)"),
        ),
        migrations.AlterField(
            model_name="amenity",
            name="name_en",
            field=models.CharField(max_length=100, verbose_name="name (English)"),
        ),
        migrations.AlterField(
            model_name="tag",
            name="name_fr",
            field=models.CharField(max_length=50, verbose_name="name (French)"),
        ),
        migrations.AlterField(
            model_name="tag",
            name="name_en",
            field=models.CharField(max_length=50, verbose_name="name (English)"),
        ),
        migrations.AddConstraint(
            model_name="category",
            constraint=models.UniqueConstraint(
                fields=("parent", "name_fr"),
                name="categories_parent_name_fr_unique",
                nulls_distinct=False,
            ),
        ),
        migrations.AddConstraint(
            model_name="category",
            constraint=models.UniqueConstraint(
                fields=("parent", "name_en"),
                name="categories_parent_name_en_unique",
                nulls_distinct=False,
            ),
        ),
        *(
            migrations.AddConstraint(
                model_name=model,
                constraint=models.UniqueConstraint(
                    fields=(f"name_{language}",), name=f"{table}_name_{language}_unique"
                ),
            )
            for model, table in (("amenity", "amenities"), ("tag", "tags"))
            for language in ("fr", "en")
        ),
        migrations.AddConstraint(model_name="category", constraint=names_present("categories")),
        migrations.AddConstraint(model_name="amenity", constraint=names_present("amenities")),
        migrations.AddConstraint(model_name="tag", constraint=names_present("tags")),
        migrations.RunSQL(RELATIONS, RELATIONS_BEFORE),
        comment_on(
            {
                "FUNCTION listing_relations(target bigint, lang text)": (
                    "A listing's amenities and tags, named in lang (en, else French), as one "
                    "JSON value, so that a list page costs one query."
                )
            }
        ),
    ]
