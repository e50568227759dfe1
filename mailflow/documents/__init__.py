"""Reading the application form out of a document, whatever channel it came by."""
