"""The reports: window arithmetic (week, month, quarter, range), content from the store,
DOCX/HTML/summary renderers, the one-page good news and the XLSX of a selection's stories."""
