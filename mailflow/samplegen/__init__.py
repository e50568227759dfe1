"""Generated applicants, forms and mails: for the demo, the tests and the benchmarks.

Real applications cannot be shipped; these make as many lifelike ones as a test needs,
each with the values a person reading it would record (its truth).
"""
