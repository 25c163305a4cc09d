"""Plain HTTP routes (FastAPI) mounted in front of the Reflex app."""
