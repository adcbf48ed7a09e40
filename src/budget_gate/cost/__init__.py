"""What tokens cost in USD: the price book over genai-prices data, and run, estimate and slice
costs.

Pure; imports only `models`.
"""
