from fastapi import FastAPI, HTTPException, Query

from .recipes import RECIPES, cookable, missing

app = FastAPI(title="pantry")


@app.get("/")
def index() -> dict:
    return {"service": "pantry", "recipes": sorted(RECIPES)}


@app.get("/cook")
def cook(have: str = Query("", description="comma-separated ingredients")) -> dict:
    pantry = {item.strip() for item in have.split(",") if item.strip()}
    return {"have": sorted(pantry), "cookable": cookable(pantry)}


@app.get("/missing/{recipe}")
def missing_for(recipe: str, have: str = "") -> dict:
    if recipe not in RECIPES:
        raise HTTPException(status_code=404, detail="unknown recipe")
    pantry = {item.strip() for item in have.split(",") if item.strip()}
    return {"recipe": recipe, "missing": missing(recipe, pantry)}
