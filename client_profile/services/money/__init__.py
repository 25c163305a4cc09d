"""What is due and what was paid: fees and their discounts, Stripe Checkout and bank transfers, invoices and
receipts, orders, the prepaid credit ledger, benefits."""
