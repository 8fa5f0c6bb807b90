// Mozilla User Preferences
# A shell-style comment, which prefs.js allows too.
/* A block comment hiding prefs Thunderbird never sees:
user_pref("mail.server.server2.type", "imap");
user_pref("mail.account.lastKey", 40);
*/
// user_pref("mail.identity.id2.useremail", "commented@example.com");
# user_pref("mail.smtpserver.smtp2.hostname", "commented.example.com");
user_pref("mail.account.account1.identities", "id1"); // trailing comment
user_pref("mail.account.account1.server", /* inline */ "server1");
user_pref(
  "mail.account.lastKey", # the last account number
  1
);
user_pref("mail.accountmanager.accounts", "account1");
user_pref("mail.identity.id1.fullName", "Alice /* not a comment */ Example");
user_pref("mail.identity.id1.smtpServer", "smtp1");
user_pref("mail.identity.id1.useremail", "alice@example.org // not a comment either");
user_pref("mail.server.server1.hostname", "imap.example.org");
user_pref("mail.server.server1.port", 993);
user_pref("mail.server.server1.socketType", 3);
user_pref("mail.server.server1.type", "imap");
user_pref("mail.server.server1.userName", "alice@example.org");
user_pref("mail.smtpserver.smtp1.hostname", "smtp.example.org");
user_pref("mail.smtpserver.smtp1.type", "smtp");
user_pref("mail.smtpservers", "smtp1");
/**/user_pref("mail.smtp.defaultserver", "smtp1");/***/
// the end, without a newline