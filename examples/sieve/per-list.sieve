# One folder per mailing list: VERP return paths of the form
# bounces+LIST=...@example.org name the list; hard bounces and returned
# addresses go to the list's Remove folder, the rest to its Retry folder.
require ["vnd.bounce", "envelope", "subaddress", "fileinto", "mailbox",
	 "variables"];

if bounce {
	classify;
	set "list" "unknown";
	if envelope :detail :matches "to" "*=*" {
		set "list" "${1}";
	}
	if anyof (bounce :type "hard", bounce :state "returned") {
		fileinto :create "Lists/${list}/Remove";
	} else {
		fileinto :create "Lists/${list}/Retry";
	}
	stop;
}
