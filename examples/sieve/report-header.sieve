# Variables: a subject-like summary in a header the list software reads,
# and a folder per category; counts the failed recipients.
require ["vnd.bounce", "variables", "editheader", "fileinto", "mailbox",
	 "relational", "comparator-i;ascii-numeric"];

if bounce {
	classify;
	addheader "X-Bounce-Summary"
		"${bounce.type} ${bounce.category} ${bounce.code} ${bounce.recipient} (${bounce.count} failed)";
	if bounce :recipient :count "gt" :comparator "i;ascii-numeric" "1" {
		fileinto :create "Bounces/multiple";
	} else {
		fileinto :create "Bounces/${bounce.category}";
	}
	stop;
}
