/* false.c — fail. */
int main(void)
{
    return 1;
}
