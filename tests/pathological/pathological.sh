#!/bin/sh
# Huge, deep, long and broken messages (made by generate.py at run time):
# 50 MB attachments, 10,000 recipients, 200 nested multiparts, a 1 MB
# header line, NUL bytes, invalid UTF-8 and unknown charsets, a truncated
# DSN, 100,000 fields. Each one:
# - is classified by bounce-classify within PATHOLOGICAL_MAX_RSS_KB of
#   peak memory (64 MB; measured with /usr/bin/time) and 60 seconds, and
#   still names its failed recipient as a hard bounce (and all 10,000
#   recipients, or says the report is truncated);
# - is delivered by dovecot-lda with the plugin and a global script that
#   files bounces into Bounces/<type>, within the same memory bound:
#   exactly one message lands in Bounces/hard, and it is the input byte
#   for byte after the header fields delivery adds.
set -u
. "$(dirname "$0")/../sieve/env.sh"
. "$(dirname "$0")/../lda/deliver-lib.sh"
need_programs "$DOVECOT_LDA" setpriv python3 /usr/bin/time timeout
classify=$builddir/src/tools/bounce-classify
max_rss_kb=${PATHOLOGICAL_MAX_RSS_KB:-65536}
setup_delivery

gen=$run_dir/messages
python3 "$top_srcdir/tests/pathological/generate.py" "$gen" ||
	exit $HARD_ERROR
chmod -R a+rX "$gen"

# dovecot-lda under /usr/bin/time, for its peak memory
lda=$DOVECOT_LDA
DOVECOT_LDA=$run_dir/lda-timed
printf '#!/bin/sh\nexec /usr/bin/time -f %%M -o "%s" "%s" "$@"\n' \
	"$run_dir/lda.rss" "$lda" > "$DOVECOT_LDA"
chmod a+rx "$DOVECOT_LDA"

# check_classify NAME FILE
check_classify() {
	name=$1 file=$2
	problems=
	timeout 60 /usr/bin/time -f %M -o "$run_dir/classify.rss" \
		"$classify" --rules="$top_srcdir/conf.d/bounce.rules" "$file" \
		> "$run_dir/rows" 2> "$run_dir/classify.err"
	status=$?
	rss=$(tail -n 1 "$run_dir/classify.rss")
	[ "$status" -eq 0 ] ||
		problems="$problems bounce-classify exited with $status;"
	[ "${rss:-0}" -le "$max_rss_kb" ] ||
		problems="$problems peak memory $rss kB > $max_rss_kb kB;"
	first=$(head -n 1 "$run_dir/rows" | cut -f 3,4)
	[ "$first" = "$(printf 'user@example.com\thard')" ] ||
		problems="$problems first row '$first';"
	rows=$(grep -c . "$run_dir/rows")
	# a recipient left out must be said: every one, or "truncated"
	if [ "$name" = recipients-10000 ] && [ "$rows" -ne 10000 ]; then
		"$classify" --format=json --rules="$top_srcdir/conf.d/bounce.rules" \
			"$file" | tail -n 1 | grep -q '"truncated":true' ||
			problems="$problems $rows of 10000 rows, not marked truncated;"
	fi
	if [ -z "$problems" ]; then
		pass "$name: classified, $rows rows, peak $rss kB"
	else
		fail "$name: classify" "$problems" "$(cat "$run_dir/classify.err")"
	fi
}

# check_deliver NAME FILE
check_deliver() {
	name=$1 file=$2
	problems=
	rm -f "$run_dir/lda.rss"
	deliver "$file"
	rss=$(tail -n 1 "$run_dir/lda.rss" 2>/dev/null)
	n_new=$(printf '%s' "$delivered_files" | grep -c .)
	[ "$lda_status" -eq 0 ] ||
		problems="$problems dovecot-lda exited with $lda_status;"
	[ "${rss:-0}" -le "$max_rss_kb" ] ||
		problems="$problems peak memory $rss kB > $max_rss_kb kB;"
	[ "$n_new" -eq 1 ] ||
		problems="$problems $n_new messages stored instead of 1;"
	[ "$delivered_mailbox" = Bounces/hard ] ||
		problems="$problems mailbox '$delivered_mailbox';"
	# delivery adds header fields before the input's own: the input
	# is the stored message's end, byte for byte
	if [ "$n_new" -eq 1 ]; then
		tail -c "$(wc -c < "$file")" "$delivered_files" | cmp -s - "$file" ||
			problems="$problems the stored message differs from the input;"
	fi
	if [ -z "$problems" ]; then
		pass "$name: delivered to $delivered_mailbox, peak $rss kB"
	else
		fail "$name: delivery" "$problems" "$(cat "$run_dir/lda.log")"
	fi
	# the next delivery's comparison reads only its own message
	rm -f $delivered_files
}

for file in "$gen"/*.eml; do
	name=$(basename "$file" .eml)
	check_classify "$name" "$file"
	check_deliver "$name" "$file"
done
finish
