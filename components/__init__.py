"""Views of a case: pure Altair chart builders and the shared tumor-board theme."""
