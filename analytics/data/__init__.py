"""Reference and sample data shipped with the analytics (see README.md here)."""
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent
