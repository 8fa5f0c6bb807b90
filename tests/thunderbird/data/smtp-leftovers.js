// An SMTP server deleted by an older Thunderbird: its prefs stay, only the list forgets it.
// Stray prefs of a removed server and identity too; none of these numbers may be reused.
user_pref("mail.account.account1.identities", "id1");
user_pref("mail.account.account1.server", "server1");
user_pref("mail.account.lastKey", 1);
user_pref("mail.accountmanager.accounts", "account1");
user_pref("mail.accountmanager.defaultaccount", "account1");
user_pref("mail.identity.id1.fullName", "Erin");
user_pref("mail.identity.id1.smtpServer", "smtp2");
user_pref("mail.identity.id1.useremail", "erin@example.org");
user_pref("mail.identity.id2.draft_folder", "imap://old@imap.example.org/Drafts");
user_pref("mail.server.server1.hostname", "imap.example.org");
user_pref("mail.server.server1.type", "imap");
user_pref("mail.server.server1.userName", "erin");
user_pref("mail.server.server2.directory-rel", "[ProfD]ImapMail/old.example.org");
user_pref("mail.smtp.defaultserver", "smtp2");
user_pref("mail.smtpserver.smtp1.hostname", "smtp.old.example.org");
user_pref("mail.smtpserver.smtp1.username", "erin-old");
user_pref("mail.smtpserver.smtp2.hostname", "smtp.example.org");
user_pref("mail.smtpserver.smtp2.username", "erin");
user_pref("mail.smtpserver.smtp3.try_ssl", 3);
user_pref("mail.smtpservers", "smtp2");
