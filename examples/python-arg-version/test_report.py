import unittest

from report import summary


class SummaryTest(unittest.TestCase):
    def test_names_the_strongest_and_weakest(self):
        rates = [("EUR", 1.0), ("USD", 1.08), ("JPY", 162.4)]
        self.assertEqual(summary(rates), "3 currencies; strongest EUR, weakest JPY")


if __name__ == "__main__":
    unittest.main()
