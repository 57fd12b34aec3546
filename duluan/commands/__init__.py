"""The `duluan` commands, one module per command group; `duluan.cli` builds the parser from them
and dispatches to them."""
