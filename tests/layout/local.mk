# The tree's layout: no include or call runs in a circle between the files
# of src/ (read from the sources and, with nm, from the built objects).
TESTS += tests/layout/circles.py
EXTRA_DIST += tests/layout/circles.py
