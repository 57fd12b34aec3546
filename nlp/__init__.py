"""Vietnamese text to administrative-unit mentions (the locality tagger; see the tagger issue)."""
