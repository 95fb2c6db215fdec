"""Registration, login and logout."""
