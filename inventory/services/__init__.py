"""Every write to stock and reservations goes through a function of this package."""
