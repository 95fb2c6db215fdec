"""What search engines read besides the pages: the sitemap and robots.txt."""
