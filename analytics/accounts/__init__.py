"""Account codes of Kepmendagri 050-5889 (seed 001): suggestion from a name, validation of APBD files."""
