"""Business rules as plain functions; they flush, their caller commits."""
