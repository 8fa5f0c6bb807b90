// Run inside Thunderbird by the test hook (see generate-corpus.sh): creates accounts through
// Thunderbird's own account manager, the way its account wizard does, so that the prefs.js it
// writes at exit is an authentic sample. $MAIL_SETUP_CORPUS_CASE says which.
/* global environment, Services, ChromeUtils, Components */
"use strict";
{
  const Ci = Components.interfaces;
  const { MailServices } = ChromeUtils.importESModule("resource:///modules/MailServices.sys.mjs");
  const accounts = MailServices.accounts;

  function addAccount(spec) {
    const server = accounts.createIncomingServer(spec.user, spec.host, spec.type);
    server.port = spec.port;
    server.socketType = spec.socketType;
    server.authMethod = spec.authMethod ?? Ci.nsMsgAuthMethod.passwordCleartext;
    if (spec.type == "pop3") {
      server.QueryInterface(Ci.nsIPop3IncomingServer).leaveMessagesOnServer = true;
    }
    const identity = accounts.createIdentity();
    identity.fullName = spec.name;
    identity.email = spec.email;
    const outgoing = MailServices.outgoingServer.createServer("smtp");
    const smtp = outgoing.QueryInterface(Ci.nsISmtpServer);
    smtp.hostname = spec.smtpHost;
    smtp.port = spec.smtpPort;
    outgoing.socketType = spec.smtpSocketType;
    outgoing.authMethod = spec.authMethod ?? Ci.nsMsgAuthMethod.passwordCleartext;
    outgoing.username = spec.smtpUser ?? spec.user;
    outgoing.description = spec.email;
    identity.smtpServerKey = outgoing.key;
    const account = accounts.createAccount();
    account.addIdentity(identity);
    account.incomingServer = server;
    return { account, outgoing };
  }

  const alice = {
    name: "Alice Example", email: "alice@example.org", user: "alice@example.org",
    type: "imap", host: "imap.example.org", port: 993, socketType: Ci.nsMsgSocketType.SSL,
    smtpHost: "smtp.example.org", smtpPort: 587, smtpSocketType: Ci.nsMsgSocketType.alwaysSTARTTLS,
  };
  const bob = {
    name: "Bob Example", email: "bob@example.net", user: "bob",
    type: "pop3", host: "pop.example.net", port: 995, socketType: Ci.nsMsgSocketType.SSL,
    smtpHost: "mail.example.net", smtpPort: 465, smtpSocketType: Ci.nsMsgSocketType.SSL,
  };
  const carol = {
    name: "Carol", email: "carol@example.com", user: "carol@example.com",
    type: "imap", host: "mail.example.com", port: 143,
    socketType: Ci.nsMsgSocketType.alwaysSTARTTLS,
    smtpHost: "mail.example.com", smtpPort: 587, smtpSocketType: Ci.nsMsgSocketType.alwaysSTARTTLS,
    authMethod: Ci.nsMsgAuthMethod.passwordEncrypted,
  };
  const jorg = {
    name: "J\u00f6rg M\u00fcller", email: "joerg@example.de", user: "j\u00f6rg",
    type: "imap", host: "imap.example.de", port: 993, socketType: Ci.nsMsgSocketType.SSL,
    smtpHost: "smtp.example.de", smtpPort: 465, smtpSocketType: Ci.nsMsgSocketType.SSL,
    smtpUser: "j\u00f6rg",
  };

  switch (environment.get("MAIL_SETUP_CORPUS_CASE")) {
    case "imap":
      addAccount(alice);
      break;
    case "pop3":
      addAccount(bob);
      break;
    case "deleted":
      // Three accounts, then the middle one and its SMTP server removed as the UI does it.
      addAccount(alice);
      {
        const { account, outgoing } = addAccount(bob);
        accounts.removeAccount(account, true);
        MailServices.outgoingServer.deleteServer(outgoing);
      }
      addAccount(carol);
      break;
    case "latin1":
      addAccount(jorg);
      break;
  }
}
