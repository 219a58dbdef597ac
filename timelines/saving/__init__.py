"""Files the product writes: the editor's saves with their history (`storage`), the command line's `--out` folders
(`outputs`), and CSV/TSV cells safe to open in a spreadsheet (`spreadsheet`)."""
