"""One file per schema revision; append, never edit a released one."""
