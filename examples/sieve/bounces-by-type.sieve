# A bounce mailbox's own script (the README's): tag every bounce and file
# it by type, Bounces/hard, Bounces/soft, Bounces/other, Bounces/complaint.
require ["vnd.bounce", "fileinto", "mailbox", "variables"];

if bounce {
	classify;
	fileinto :create "Bounces/${bounce.type}";
	stop;
}
