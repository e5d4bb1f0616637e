# A global script for sieve_before (sieve_global_extensions = +vnd.bounce):
# bounces to the list's return path are classified and filed before the
# user's own script runs; all other mail passes through untouched.
require ["vnd.bounce", "envelope", "fileinto", "mailbox", "variables"];

if allof (envelope :localpart :matches "to" "bounces*", bounce) {
	classify;
	if bounce :type "none" {
		# a success notice or a relayed DSN: nothing to act on
		fileinto :create "Bounces/notices";
	} else {
		fileinto :create "Bounces/${bounce.type}";
	}
	stop;
}
