"""What the shop offers and books: the catalog (built in or Yawlit's ERP), the slots and their
seats, the booking a confirmed scratchpad becomes, and what a customer's answer writes on it."""
