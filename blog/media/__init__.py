"""Images: uploads kept in GridFS, cleaned with Pillow, served by id (routes), and the
writes the pages share (operations)."""
