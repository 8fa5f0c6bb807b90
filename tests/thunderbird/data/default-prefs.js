// pref() and sticky_pref() set defaults (Thunderbird drops them when it rewrites the file),
// lockPref() locks one; user values win over defaults whatever the order.
pref("mail.account.lastKey", 7);
sticky_pref("mail.accountmanager.accounts", "account3");
user_pref("mail.account.account3.server", "server1");
user_pref("mail.account.account3.identities", "id1");
pref("mail.server.server1.type", "imap");
user_pref("mail.server.server1.hostname", "imap.example.org");
user_pref("mail.server.server1.userName", "alice");
lockPref("mail.identity.id1.useremail", "alice@example.org");
pref("mail.identity.id2.valid", false);
user_pref("mail.smtpservers", "smtp1");
pref("mail.smtpserver.smtp1.hostname", "smtp.example.org");
pref("mail.smtp.defaultserver", "smtp1");
user_pref("browser.cache.disk.capacity", -1);
user_pref("mailnews.display.original_date", false);
