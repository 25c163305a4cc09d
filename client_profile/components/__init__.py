"""Reusable UI pieces as pure functions returning components."""
