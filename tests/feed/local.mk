# The report feed: bounce-feed on spools written by feed-write, which
# classifies messages with the library and writes what a delivery would.
check_PROGRAMS += tests/feed/feed-write
tests_feed_feed_write_SOURCES = tests/feed/feed-write.c
tests_feed_feed_write_CPPFLAGS = $(UNIT_CPPFLAGS)

# the record writer, the reader and the spool (CUnit), with the schema;
# a notification's spool file written again (-once)
unit_tests += tests/unit/lib-bounce-feed/test-bounce-feed \
	tests/unit/lib-bounce-feed/test-bounce-feed-once
tests_unit_lib_bounce_feed_test_bounce_feed_CPPFLAGS = $(AM_CPPFLAGS) \
	-DTEST_FEED_SCHEMA_PATH=\"$(abs_top_srcdir)/conf.d/bounce-feed.xsd\"
tests_unit_lib_bounce_feed_test_bounce_feed_once_CPPFLAGS = \
	$(tests_unit_lib_bounce_feed_test_bounce_feed_CPPFLAGS)

TESTS += tests/feed/feed-tests.sh
EXTRA_DIST += tests/feed/feed-tests.sh
