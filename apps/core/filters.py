"""Query-parameter building blocks shared by the apps' FilterSets."""

from django_filters import rest_framework as filters


def one_of_filter(values: tuple[str, ...], *, help_text: str) -> filters.ChoiceFilter:
    """A parameter that takes one of `values`, spelled exactly; absent, the selector's default
    applies (no empty choice); anything else is a 400 naming the parameter."""
    return filters.ChoiceFilter(
        choices=[(value, value) for value in values], empty_label=None, help_text=help_text
    )
