"""One blueprint per area of the UI and the API; views parse, call a service and render."""
