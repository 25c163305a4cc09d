"""The outside world behind small interfaces: mailer (SMTP), crypto helpers, e-mail templates, images, ..."""
