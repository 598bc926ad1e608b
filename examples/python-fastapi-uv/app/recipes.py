RECIPES = {
    "pancakes": {"flour", "milk", "egg"},
    "omelette": {"egg", "butter"},
    "porridge": {"oats", "milk"},
    "toast": {"bread", "butter"},
}


def cookable(pantry: set[str]) -> list[str]:
    """Recipes whose every ingredient is in the pantry, alphabetically."""
    return sorted(name for name, needs in RECIPES.items() if needs <= pantry)


def missing(recipe: str, pantry: set[str]) -> list[str]:
    return sorted(RECIPES[recipe] - pantry)
