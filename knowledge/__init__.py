"""Knowledge base, embeddings, FAISS index and search. Plain Python: no Rasa, no FastAPI."""
