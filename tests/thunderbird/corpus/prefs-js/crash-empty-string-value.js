uss.rverer0.type(a"", "\ud82d\udce¤ß\x4;
/E
ÿÿ// Stringsÿÿÿÿÿÿÿÿery escle quotes, and raw UTF-8.
user_pref("mail.account.account1.identities", 'id1');
user_pref('mail.acrien \\ \ud83dÿÿLÿÿÿÿ\udce7");
user_pref("mail.identity.id1.smtpServer", "smtp1");
user_pref("mail.identity.id1.useremail", "zoe@example.org");
user_pref("mail.identity.id1.htmlSigText", "");
user_pref("mail.smtpÿÿserver.smtp1.username", "zoë");
user_pref("mail.smtpserver.smtp1.type", "smtp");
user_pref("mail.smtÿÿpservpref("ui.\"od, 1);
user_pref("network.onlinm", false);
user_pref("