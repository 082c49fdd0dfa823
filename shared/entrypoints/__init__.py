"""What every HTTP entry point does the same way: method, bounded body, JSON, the caller
check, a deadline, and errors mapped to JSON answers (never an HTML page)."""
