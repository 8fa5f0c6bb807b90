// Malformed statements Thunderbird skips up to the next ';' and reports; the rest still counts.
user_pref("mail.account.account1.server", "server1");
user_pref("mail.account.lastKey" 9);
user_pref("mail.account.lastKey", 99999999999);
user_pref("mail.account.lastKey", 1);
this is not a pref;
user_pref("mail.accountmanager.accounts", "account1");
user_pref("mail.server.server1.hostname", "imap.example.org");
user_pref("mail.server.server1.type", "imap");
user_pref("mail.server.server1.userName", "frank");
user_pref("mail.server.server1.port", 0x3e1);
user_pref("broken.escape", "\q");
user_pref("mail.smtpserver.smtp1.hostname", "smtp.example.org");
user_pref("mail.smtpservers", "smtp1");
