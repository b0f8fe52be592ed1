/* true.c — succeed. */
int main(void)
{
    return 0;
}
