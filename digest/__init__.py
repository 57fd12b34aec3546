"""The weekly digest: window arithmetic, content from the store, DOCX/HTML/summary renderers."""
