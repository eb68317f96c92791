"""Member cards: numbers, issue and revocation, printing and public verification."""
