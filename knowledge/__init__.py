"""Knowledge base, embeddings, FAISS index and search. Plain Python: no Rasa, no FastAPI.

kb / store          the curated YAML knowledge base: model, loader, validator, atomic writes
search              KnowledgeSearch.ask -> AskResult (answer / alternatives / handoff / empty / too_long)
retrieval           hybrid ranking: dense (embeddings + index) fused with BM25 (lexical, normalize)
confidence          ranking -> confidence 0..1 -> outcome; parameters chosen in devsplit/calibrate
tuning              optional domain tuning of the embedding model (cached)
redact              personal data -> [NAMA] [NIP] [NIK] [EMAIL] [TELEPON] [REKENING]
hai_export / cleaning / categories / ingest   HAI ticket exports -> candidate entries + skip report
import_review       console review of candidates (imports, closed handoffs): accept or reject
ticket_archive      resolved tickets of imports kept redacted and searched (BM25) for agent assist
synth               synthetic ticket exports in the real format, for testing ingestion at scale
evaluation          held-out scoring helpers (benchmarks/eval_retrieval.py)
CLI: python -m knowledge {validate, ingest, synth-tickets, build-index, tune, calibrate, ask}
"""
