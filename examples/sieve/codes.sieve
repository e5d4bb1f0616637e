# Sorting by the numeric bounce code with the relational extension: codes
# compare as numbers only with the i;ascii-numeric comparator.
require ["vnd.bounce", "relational", "comparator-i;ascii-numeric",
	 "fileinto", "mailbox"];

if bounce {
	classify :noheader;
	if bounce :code :value "ge" :comparator "i;ascii-numeric" "200" {
		fileinto :create "Bounces/complaints";
	} elsif bounce :code :value "ge" :comparator "i;ascii-numeric" "50" {
		# policy, spam, relaying, auto-replies, unsubscribe requests
		fileinto :create "Bounces/policy";
	} elsif bounce :code :value "lt" :comparator "i;ascii-numeric" "20" {
		fileinto :create "Bounces/hard";
	} else {
		fileinto :create "Bounces/soft";
	}
	stop;
}
