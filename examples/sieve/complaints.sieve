# Spam complaints (ARF feedback reports) go to their own folder, flagged
# for the abuse desk; unsubscribe requests to another. Both are tagged by
# classify, which also marks the address returned in the state dict.
require ["vnd.bounce", "fileinto", "mailbox", "imap4flags"];

if bounce :type "complaint" {
	classify;
	addflag "\\Flagged";
	fileinto :create "Bounces/complaints";
	stop;
}
if bounce :category "unsubscribe" {
	classify;
	fileinto :create "Bounces/unsubscribe";
	stop;
}
