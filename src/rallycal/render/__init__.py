"""The output files as bytes: feeds (`ics`), the changes feed (`atom`), what fans are told
(`news`), the subscribe page (`page`) and the manifest (`manifest`)."""
