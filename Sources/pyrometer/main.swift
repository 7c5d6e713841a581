print("pyrometer")
