# Sourced after tests/sieve/env.sh by the delivery test and by
# deliver-examples.sh: delivers messages one by one through dovecot-lda
# into a throwaway Maildir, with vnd.bounce enabled for a global script
# only, and reads back where each message went and how it was tagged.

# The global script: the one a site would put in sieve_before.
GLOBAL_SCRIPT='require ["vnd.bounce", "fileinto", "mailbox", "variables"];
if bounce {
	classify;
	fileinto :create "Bounces/${bounce.type}";
	stop;
}'

# setup_delivery: the run directory, the configuration, the script.
setup_delivery() {
	setup_run_dir
	printf '%s\n' "$GLOBAL_SCRIPT" > "$run_dir/global.sieve"
	# Global use: users' own scripts cannot require vnd.bounce. The
	# rules cache as the README recommends: the first delivery writes
	# it, the others decode the rules' patterns from it.
	write_conf "$conf" "  sieve_before = $run_dir/global.sieve
  sieve_extensions = -vnd.bounce
  sieve_global_extensions = +vnd.bounce
  sieve_bounce_rules_cache = $run_dir/home/bounce-rules.cache"
	own_run_dir
}

# variant MESSAGE N: a readable copy of MESSAGE that is another
# notification of the same kind (a Message-ID of its own, first), for
# tests that count several: each notification is counted once.
variant() {
	copy=$run_dir/messages/$(basename "$1" .eml)-v$2.eml
	{ printf 'Message-ID: <variant-%s@tests.example>\n' "$2"; cat "$1"; } \
		> "$copy" && chmod a+r "$copy" && echo "$copy"
}

# The message files in the Maildir, one per line, sorted.
maildir_files() {
	find "$run_dir/Maildir" -type f \( -path '*/new/*' -o -path '*/cur/*' \) \
		2>/dev/null | sort
}

# The mailbox name of a message file: INBOX, or the Maildir++ folder
# with the '/' separator of the configuration.
mailbox_of() {
	dir=$(dirname "$(dirname "$1")")
	if [ "$dir" = "$run_dir/Maildir" ]; then
		echo INBOX
	else
		basename "$dir" | sed -e 's/^\.//' -e 's|\.|/|g'
	fi
}

# The IMAP keywords of a message file: the lowercase letters of its
# Maildir flags, named by the folder's dovecot-keywords file.
keywords_of() {
	flags=$(basename "$1" | sed -n 's/.*:2,//p')
	kwfile=$(dirname "$(dirname "$1")")/dovecot-keywords
	names=
	for letter in $(printf '%s' "$flags" | sed 's/[^a-z]//g; s/./& /g'); do
		index=$(($(printf '%d' "'$letter") - 97))
		name=$(sed -n "s/^$index //p" "$kwfile" 2>/dev/null)
		names="$names${names:+ }${name:-?$letter}"
	done
	echo "$names"
}

# The X-Bounce-Classification header fields of a message file, unfolded.
classification_of() {
	tr -d '\r' < "$1" | sed -n '1,/^$/p' |
		sed -e ':a' -e '$!N;s/\n[[:space:]]\{1,\}/ /;ta' -e 'P;D' |
		sed -n 's/^X-Bounce-Classification: *//Ip'
}

# deliver MESSAGE [DOVECOT-LDA OPTIONS]
# Sets lda_status, delivered_files (the new message files), and for the
# first of them delivered_mailbox, delivered_keywords,
# delivered_classification. dovecot-lda's log goes to $run_dir/lda.log.
deliver() {
	message=$1
	shift
	maildir_files > "$run_dir/before"
	as_user "$DOVECOT_LDA" -c "$conf" -f sender@example.net "$@" \
		< "$message" > "$run_dir/lda.log" 2>&1
	lda_status=$?
	maildir_files > "$run_dir/after"
	delivered_files=$(comm -13 "$run_dir/before" "$run_dir/after")
	first=$(printf '%s\n' "$delivered_files" | head -n 1)
	if [ -n "$first" ]; then
		delivered_mailbox=$(mailbox_of "$first")
		delivered_keywords=$(keywords_of "$first")
		delivered_classification=$(classification_of "$first")
	else
		delivered_mailbox= delivered_keywords= delivered_classification=
	fi
}
