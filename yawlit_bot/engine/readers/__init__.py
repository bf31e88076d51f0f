"""The readers `engine.extraction` runs over a customer message, one file per kind of value.
Each reader takes the shared `text.Text` (what is still unread), writes what it finds into the
`text.Extraction` through `text.put` (which checks the value with `validation.check_field`) and
takes it out of the text. The order they run in is stated once: `extraction.PASSES`.

- `text`                 the text being read, the result, and the bases of a value
- `corrections`          what the customer refused ("kal nahi", "not Swift"), never read as a value
- `numbers`              email, number plate, phone and pincode: values with a shape of their own
- `labels`               "Name: ...", "Address - ...": a label decides the field
- `dates_and_times`      the day and the time slot, in English, Hinglish and Devanagari
- `names`                the customer's first and last name
- `places`               the address, the city and notes
- `vehicle_and_service`  the car (brand, model, type) and the wash chosen

Every pattern here runs in time linear in its input (tests/test_reading_time.py times each one
and each reader on hostile text)."""
