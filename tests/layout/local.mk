# The tree's layout: no include or call runs in a circle between the files
# of src/ (read from the sources and, with nm, from the built objects),
# and no file of src/ is longer than 600 lines.
TESTS += tests/layout/circles.py tests/layout/sizes.py
EXTRA_DIST += tests/layout/circles.py tests/layout/sizes.py
