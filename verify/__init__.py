"""verify: executable properties for the theory of exponentially weight-normalised nets.

Data flows one way: strategy -> case -> trainer -> trajectory -> checker -> verdict -> report.
"""
